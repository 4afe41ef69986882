"""Pages of the staff console, one module (Blueprint ``bp`` + menu ``NAV``) per area."""
