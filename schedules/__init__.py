"""Everything about time: cycle rules, due scans, jobs and notices (issue: schedules)."""
