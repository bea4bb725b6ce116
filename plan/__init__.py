"""The annual emulation and commendation plan (kế hoạch TĐKT năm): import, lifecycle of its activities, unit
plans, oversight, reminders. A domain app on the engine core (`workflows`); its tables keep their names from
when it lived inside workflows/ (`workflows_plan`, `workflows_activity`, …)."""
