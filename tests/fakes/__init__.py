"""Stand-ins for outside services (SendGrid), run as real servers on 127.0.0.1."""
