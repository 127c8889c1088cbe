"""Contact history (interactions and typed plugin events) and scheduled follow-ups."""
