# The PyTorch side of bench/editor.mjs: diffusers v0.25's own UNet2DConditionModel and AutoencoderKL
# (random weights from the same configs) and DPMSolverMultistepScheduler, on Debian's python3-torch.
# diffusers is not installed here: pass its source folder (`git archive v0.25.0 src` of
# github.com/huggingface/diffusers, kept outside the repository); bench/diffusers_shims stands in for the
# packages it imports but the benches never use.
# Cases: "unet_train" = UNet forward + backward of mean(ε̂²) over every parameter (batch B);
#        "edit" = an InstructPix2Pix edit as diffusers' pipeline runs it (image latents = the posterior's
#        mode, UNet on the batch of three branches, dual guidance, DPM-Solver++ steps, decode), prompt
#        embeds given (the text encoder is not timed on either side);
#        "unet_step" = one denoising step's UNet forward on the batch of three guidance branches.
# Usage: /usr/bin/python3 bench/torch_editor.py --diffusers DIR '<json {"threads", "runs", "cases": [...]}>'
# Prints one JSON object: {"torch", "diffusers", "threads", "results": [{"name", "ms", "median_ms", "peak_rss_mb"}]}.
import argparse
import json
import os
import resource
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--diffusers", required=True)
parser.add_argument("spec")
args = parser.parse_args()
sys.path.insert(0, args.diffusers)
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "diffusers_shims"))

import torch  # noqa: E402
import diffusers  # noqa: E402
from diffusers import AutoencoderKL, DPMSolverMultistepScheduler, UNet2DConditionModel  # noqa: E402

spec = json.loads(args.spec)
torch.set_num_threads(spec["threads"])
root = os.path.dirname(os.path.abspath(__file__))


def config(name):
    with open(os.path.join(root, "configs", name)) as f:
        return json.load(f)


def timed(fn, runs):
    fn()  # warm-up
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return ts[0], ts[len(ts) // 2]


SD15_SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1, algorithm_type="dpmsolver++", solver_order=2)

results = []
for case in spec["cases"]:
    torch.manual_seed(0)
    unet = UNet2DConditionModel.from_config(config(case["unet"]))
    res = case["resolution"]
    lat = res // 8
    b = case["batch"]
    cross = unet.config.cross_attention_dim
    if case["kind"] == "unet_train":
        if case.get("checkpointing"):
            unet.enable_gradient_checkpointing()
        unet.train()
        x = torch.randn(b, unet.config.in_channels, lat, lat)
        ehs = torch.randn(b, 77, cross)
        t = torch.full((b,), 500, dtype=torch.long)

        def step():
            unet.zero_grad(set_to_none=True)
            loss = unet(x, t, encoder_hidden_states=ehs).sample.pow(2).mean()
            loss.backward()

        ms, med = timed(step, spec["runs"])
    elif case["kind"] == "unet_step":
        unet.eval()
        x = torch.randn(3 * b, unet.config.in_channels, lat, lat)
        ehs = torch.randn(3 * b, 77, cross)

        @torch.no_grad()
        def unet_step():
            return unet(x, 500, encoder_hidden_states=ehs).sample

        ms, med = timed(unet_step, spec["runs"])
    else:
        vae = AutoencoderKL.from_config(config(case["vae"]))
        unet.eval()
        vae.eval()
        scheduler = DPMSolverMultistepScheduler(**SD15_SCHEDULER)
        image = torch.rand(b, 3, res, res)
        text = torch.randn(b, 77, cross)
        neg = torch.randn(b, 77, cross)
        s_t, s_i = 7.5, 1.5

        @torch.no_grad()
        def edit():
            # the steps of StableDiffusionInstructPix2PixPipeline.__call__ (diffusers v0.25)
            embeds = torch.cat([text, neg, neg])
            scheduler.set_timesteps(case["steps"])
            image_latents = vae.encode(2 * image - 1).latent_dist.mode()
            image_latents = torch.cat([image_latents, image_latents, torch.zeros_like(image_latents)])
            latents = torch.randn(b, 4, lat, lat) * scheduler.init_noise_sigma
            for t in scheduler.timesteps:
                model_in = torch.cat([scheduler.scale_model_input(torch.cat([latents] * 3), t), image_latents], dim=1)
                eps = unet(model_in, t, encoder_hidden_states=embeds).sample
                sigma = scheduler.sigmas[(scheduler.timesteps == t).nonzero()[0].item()]
                x0 = torch.cat([latents] * 3) - sigma * eps
                e_text, e_image, e_uncond = x0.chunk(3)
                guided = e_uncond + s_t * (e_text - e_image) + s_i * (e_image - e_uncond)
                latents = scheduler.step((guided - latents) / (-sigma), t, latents).prev_sample
            return (vae.decode(latents / vae.config.scaling_factor).sample / 2 + 0.5).clamp(0, 1)

        ms, med = timed(edit, spec["runs"])
    results.append({"name": case["name"], "ms": ms, "median_ms": med, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})

print(json.dumps({"torch": torch.__version__, "diffusers": diffusers.__version__, "threads": spec["threads"], "results": results}))
