"""Social-economy enterprises that sell in the mall, and the social value they create."""
