"""Live playback: signed HLS URLs on the node that carries a camera."""
