"""Lessons that turn the GAN theory into pictures: `python -m demos` lists them, `python -m demos NAME` runs one."""

DEMOS = ("curves", "optimal_d", "saturation", "js_vs_wasserstein", "mode_collapse", "backprop", "digits",
         "dcgan", "conditional", "playground", "vae_vs_gan", "lab_notes")
