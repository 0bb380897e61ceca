// The Runner module; see ../shared/DESIGN.md.
