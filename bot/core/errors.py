"""Errors whose text is safe to show to a Discord user as-is."""


class UserFacingError(ValueError):
    """Bad user input; `user_message` is written for the member who typed it.

    It subclasses ValueError so plain callers (and tests) can treat it as ordinary
    validation, while the command tree can turn it into a friendly ephemeral reply.
    """

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message
