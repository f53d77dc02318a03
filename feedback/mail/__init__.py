"""Email: rendering from templates/email/, the backends that send, and webhook verification."""
