"""Business operations, one module per department. Each is a function over a Session that does one
operation, never commits (the caller owns the transaction), and returns the Changes it made."""
