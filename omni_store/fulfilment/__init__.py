"""The choreography from an order to its store work: tasks, hold, progress (above orders and tasks)."""
