"""The speed suite behind `playground bench` (DESIGN.md, "Speed")."""
