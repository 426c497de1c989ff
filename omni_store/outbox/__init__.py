"""Events for other systems and customers, written in the same transaction as the change
(notify composes and delivers them)."""
