"""nn.Parameter (placeholder: the nn work defines it)."""
