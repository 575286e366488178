"""CLI verbs: each module registers its own subcommand and imports heavy code lazily."""
