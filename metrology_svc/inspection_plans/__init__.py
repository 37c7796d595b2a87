"""Yearly plans of state metrology inspection (kế hoạch kiểm tra nhà nước về đo lường)."""
