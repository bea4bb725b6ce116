"""Units, councils and council terms are registered in workflows/admin.py: their edits go through the audited
configuration services of workflows/config.py, which stand above this app (it imports nothing of the engine)."""
