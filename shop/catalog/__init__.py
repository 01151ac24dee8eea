"""Categories, products, options (variants), bulk prices and images."""
