"""Every schedule key at KernelSchedule's own values (compiler/schedule/Schedule.h).

A section that begins with these lines names a whole schedule: the keys a
section leaves out would otherwise keep the default heuristic's values.
Later lines of the section override them. Tests that draw or write whole
schedules use it.
"""

BARE_KEYS = ["fuse_pool = false", "vectorize = width", "vector_width = 1", "tile_width = 1", "tile_channels = 1", "tile_rows = 0",
             "flatten_pixels = false", "unroll_taps = false", "unroll_tap_rows = false", "unroll_tiles = false",
             "reduction_block = 0", "channels_innermost = false", "winograd = false", "channel_tasks = false",
             "parallel = false", "rows_per_task = 1", "layout = nchw"]
