"""inspections package: state inspections of instruments in use (kiểm tra nhà nước về đo lường)."""
