"""Pure rules: the input rules of SPEC §2 and receipt counting. No I/O, never GraphQL."""
