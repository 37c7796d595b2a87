"""inspection_papers package: the minutes (biên bản kiểm tra) and the result notice (thông báo
kết quả kiểm tra) of a state metrology inspection, printed through the document module."""
