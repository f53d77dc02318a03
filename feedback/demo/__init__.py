"""The demo tenant: the data it is made of, the seed that writes it and its history."""
