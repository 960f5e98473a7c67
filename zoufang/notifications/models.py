"""In-app notifications with an unread count."""
