# The PyTorch side of bench/editor-step.mjs: one Region-in-Context editor training step (Eq. 5-10,
# the conventions of fixtures/parity/ric_step) with diffusers v0.25's own UNet2DConditionModel and
# AutoencoderKL (random weights from the same configs; the tiny case works in pixel space, decode =
# identity) and the frozen towers as plain PyTorch modules of the same shapes: a CLIP-style ViT
# (pre-LN, class token, quick_gelu) + the gated fusion (Conv1d, MultiheadAttention, gate, LayerNorm,
# projection) for the region term, a BLIP-style ViT (gelu) + vision_proj for the global term.
# transformers is not installed here, so the towers are not its classes: same widths, depths, token
# counts and ops, so the same FLOPs. Text features of t_r and t_f are constants (the trainer caches them).
# Usage: /usr/bin/python3 bench/torch_editor_step.py --diffusers DIR '<json {"threads", "runs", "cases": [...]}>'
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
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import diffusers  # noqa: E402
from diffusers import AutoencoderKL, UNet2DConditionModel  # noqa: E402

spec = json.loads(args.spec)
torch.set_num_threads(spec["threads"])
root = os.path.dirname(os.path.abspath(__file__))


def config(name):
    with open(os.path.join(root, "configs", name)) as f:
        return json.load(f)


class QuickGelu(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Layer(nn.Module):
    def __init__(self, d, heads, mlp, act):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, mlp), act, nn.Linear(mlp, d))

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Vit(nn.Module):
    """CLIP / BLIP vision tower: patch conv, class token, positions, (CLIP: pre-LN), layers; tokens before the last LN."""

    def __init__(self, vc, act, pre_ln):
        super().__init__()
        d, p, s = vc["hidden_size"], vc["patch_size"], vc["image_size"]
        self.size = s
        self.patch = nn.Conv2d(3, d, p, p, bias=not pre_ln)
        self.cls = nn.Parameter(torch.randn(d))
        self.pos = nn.Parameter(torch.randn(1, (s // p) ** 2 + 1, d) * 0.02)
        self.pre = nn.LayerNorm(d) if pre_ln else nn.Identity()
        self.layers = nn.ModuleList(Layer(d, vc["num_attention_heads"], vc["intermediate_size"], act) for _ in range(vc["num_hidden_layers"]))
        self.post = nn.LayerNorm(d)

    def tokens(self, px):
        x = self.patch(px).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], 1) + self.pos
        x = self.pre(x)
        for layer in self.layers:
            x = layer(x)
        return x


class Fusion(nn.Module):
    def __init__(self, d, proj, heads):
        super().__init__()
        self.cnn_r, self.cnn_f = nn.Conv1d(d, d, 3, padding=1), nn.Conv1d(d, d, 3, padding=1)
        self.cross_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.gate, self.norm, self.proj = nn.Linear(d, d), nn.LayerNorm(d), nn.Linear(d, proj)

    def forward(self, e_r, e_f):
        r = self.cnn_r(e_r.transpose(1, 2)).transpose(1, 2)[:, :1]
        f = self.cnn_f(e_f.transpose(1, 2)).transpose(1, 2)
        h = self.cross_attn(r, f, f, need_weights=False)[0]
        z = r + torch.sigmoid(self.gate(r)) * h
        return self.proj(self.norm(z))[:, 0]


MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)


def tower_pixels(img, box, size):
    y0, x0, y1, x1 = box
    crop = ((img + 1) / 2)[:, :, y0 : y1 + 1, x0 : x1 + 1]
    return (F.interpolate(crop, size=(size, size), mode="bilinear", align_corners=False) - MEAN) / STD


def timed(fn, runs):
    fn()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return ts[0], ts[len(ts) // 2]


results = []
for case in spec["cases"]:
    torch.manual_seed(0)
    unet = UNet2DConditionModel.from_config(config(case["unet"]))
    if case.get("checkpointing"):
        unet.enable_gradient_checkpointing()
    unet.train()
    vae = AutoencoderKL.from_config(config(case["vae"])).eval().requires_grad_(False) if case.get("vae") else None
    res, b, terms = case["resolution"], case["batch"], case["terms"]
    down = 8 if vae else 1
    ch = unet.config.out_channels
    towers = None
    if terms:
        cc, bc = config(case["clip"]), config(case["blip"])
        clip_v = Vit(cc["vision_config"], QuickGelu(), True).requires_grad_(False)
        d = cc["vision_config"]["hidden_size"]
        fusion = Fusion(d, cc["projection_dim"], cc["vision_config"]["num_attention_heads"]).requires_grad_(False)
        blip_v = Vit(bc["vision_config"], nn.GELU(), False).requires_grad_(False)
        blip_proj = nn.Linear(bc["vision_config"]["hidden_size"], bc["image_text_hidden_size"]).requires_grad_(False)
        t_r = torch.randn(b, cc["projection_dim"])
        t_f = F.normalize(torch.randn(b, bc["image_text_hidden_size"]), dim=-1)
        towers = (clip_v, fusion, blip_v, blip_proj, t_r, t_f)
    lat = res // down
    z0 = torch.randn(b, ch, lat, lat)
    zsrc = torch.randn(b, ch, lat, lat)
    eps = torch.randn(b, ch, lat, lat)
    ehs = torch.randn(b, 77, unet.config.cross_attention_dim)
    t = torch.full((b,), 500, dtype=torch.long)
    abar = torch.cumprod(1 - torch.linspace(0.00085**0.5, 0.012**0.5, 1000) ** 2, 0)[t].view(b, 1, 1, 1)
    box = (res // 4, res // 8, res // 2 + res // 8, res - res // 4)

    def step():
        unet.zero_grad(set_to_none=True)
        zt = abar.sqrt() * z0 + (1 - abar).sqrt() * eps
        eps_hat = unet(torch.cat([zt, zsrc], 1), t, encoder_hidden_states=ehs).sample
        loss = F.mse_loss(eps_hat, eps)
        if towers:
            clip_v, fusion, blip_v, blip_proj, t_r, t_f = towers
            x0 = (zt - (1 - abar).sqrt() * eps_hat) / abar.sqrt()
            img = vae.decode(x0 / vae.config.scaling_factor).sample if vae else x0
            s = clip_v.size
            f_r = fusion(clip_v.tokens(tower_pixels(img, box, s)), clip_v.tokens(tower_pixels(img, (0, 0, res - 1, res - 1), s)))
            loss = loss + (1 - F.cosine_similarity(f_r, t_r)).mean()
            g = F.normalize(blip_proj(blip_v.post(blip_v.tokens(tower_pixels(img, (0, 0, res - 1, res - 1), blip_v.size)))[:, 0]), dim=-1)
            loss = loss + (1 - (g * t_f).sum(-1)).mean()
        loss.backward()

    ms, med = timed(step, spec["runs"])
    results.append({"name": case["name"], "ms": ms, "median_ms": med, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})

print(json.dumps({"torch": torch.__version__, "diffusers": diffusers.__version__, "threads": spec["threads"], "results": results}))
