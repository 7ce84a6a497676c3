"""Discord-facing pieces shared by several cogs: embeds, persistent components, modals."""
