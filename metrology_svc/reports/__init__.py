"""reports package: the yearly report of a district or province (báo cáo năm)."""
