"""Request and response bodies of the servicing API (`XCreate` / `XPublic`), one module per resource."""
