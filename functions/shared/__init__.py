"""Library shared by the functions: settings, AWS clients, HTTP plumbing, authorization, repositories."""
