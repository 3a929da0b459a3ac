"""What stays constant while the losses are compared: the profiles (budget, sizes), the scenarios
and their physics, the network (MoDL with a UNet), the data and its simulated measurements, and
the user's own parts imported by path. May import ``pipeline.base`` only."""
