"""One module per endpoint group; each class hangs off ``LocktClient`` as an attribute."""
