"""Constants the production-behaviour tests share: the small rate budgets their conftest sets."""

READ_LIMIT = 5
WRITE_LIMIT = 3
