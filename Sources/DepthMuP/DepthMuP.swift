// The DepthMuP module; see ../shared/DESIGN.md.
