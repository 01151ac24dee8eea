"""Members: consumers, institution buyers, enterprise members and center staff."""
