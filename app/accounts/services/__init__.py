"""Identity services: plain async functions taking ids, Structs, an actor and a clock."""
