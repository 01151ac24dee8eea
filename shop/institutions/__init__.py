"""Public institutions (공공기관) that buy from social-economy enterprises."""
