"""The annual emulation and commendation plan: import, lifecycle of its activities, unit plans, reminders."""
