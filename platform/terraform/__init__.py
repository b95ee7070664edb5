"""``terraform-provider-argus``: a Terraform provider for the provider API, written with the
``tf`` package (plugin protocol 6). It imports nothing of the platform: Terraform starts it
several times per plan, so it stays light (the standard library's HTTP client, ``tf``)."""
