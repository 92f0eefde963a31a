"""The six stacks of the seed, one file each, composed from `modules.constructs`."""
