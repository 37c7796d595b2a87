"""A market board's control-scale log (sổ cân đối chứng), entered by form or spreadsheet."""
