"""API schemas: one module per resource, named <Resource>Create, <Resource>Update and
<Resource>Public."""
