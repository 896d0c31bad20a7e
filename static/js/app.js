// Trajectory: small behaviours that need JavaScript. Everything works without it.
