// The Render module; see ../shared/DESIGN.md.
