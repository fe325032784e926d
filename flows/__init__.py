from pipeline.allocator import configure as _configure_allocator

_configure_allocator()  # before anything imports polars (see pipeline.allocator)
