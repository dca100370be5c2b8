"""The verify path's machinery."""
