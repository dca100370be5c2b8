"""Issuing and reprinting labels from the browser, shared by the admin and producer areas."""
