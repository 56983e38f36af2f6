"""Code generators: the consumer kit."""
