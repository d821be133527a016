# The Region-CLIP phase-1 training step of bench/train-step.mjs in PyTorch: the same gated
# region-context fusion (Eq. 12-16, class-token pooling: only query 0 is attended), the symmetric
# contrastive loss with a learned temperature (Eq. 11), global-norm clipping and AdamW.
# Usage: /usr/bin/python3 bench/torch_train_step.py '<json: {"configs": [...], "runs": N, "threads": T}>'
# "blip": [...] runs the BLIP-base ITC step (BlipLike below) for bench/train-step.mjs --blip --workers N.
# Prints one JSON object: {"torch", "threads", "matmul_ms", "matmul_median_ms", "results": [{"name", "ms", "median_ms"}...]}.
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

spec = json.loads(sys.argv[1])
torch.set_num_threads(spec["threads"])
torch.manual_seed(0)


class GatedFusion(nn.Module):
    def __init__(self, d_in, d, p, heads, k):
        super().__init__()
        self.cnn_r = nn.Conv1d(d_in, d, k, padding=k // 2)
        self.cnn_f = nn.Conv1d(d_in, d, k, padding=k // 2)
        self.cross_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.gate = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        self.proj = nn.Linear(d, p)

    def forward(self, er, ef):
        r = self.cnn_r(er.transpose(1, 2)).transpose(1, 2)
        f = self.cnn_f(ef.transpose(1, 2)).transpose(1, 2)
        q = r[:, :1]
        h = self.cross_attn(q, f, f, need_weights=False)[0]
        z = q + torch.sigmoid(self.gate(q)) * h
        return self.proj(self.norm(z)[:, 0])


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class EncoderLayer(nn.Module):
    """CLIP's pre-norm layer: h += attn(ln1 h); h += fc2(quick_gelu(fc1(ln2 h)))."""

    def __init__(self, d, inner, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, inner), QuickGELU(), nn.Linear(inner, d))

    def forward(self, h, mask=None):
        x = self.ln1(h)
        h = h + self.attn(x, x, x, attn_mask=mask, need_weights=False)[0]
        return h + self.mlp(self.ln2(h))


class ClipLike(nn.Module):
    """The CLIPModel computation (vision tower to its raw tokens, text tower to its projected eos state)."""

    def __init__(self, v, t, proj):
        super().__init__()
        d = v["hidden_size"]
        self.patch = nn.Conv2d(3, d, v["patch_size"], v["patch_size"], bias=False)
        n = (v["image_size"] // v["patch_size"]) ** 2 + 1
        self.cls, self.pos = nn.Parameter(torch.randn(d) * 0.02), nn.Parameter(torch.randn(n, d) * 0.02)
        self.pre = nn.LayerNorm(d)
        self.vlayers = nn.ModuleList(EncoderLayer(d, v["intermediate_size"], v["num_attention_heads"]) for _ in range(v["num_hidden_layers"]))
        dt = t["hidden_size"]
        self.tok, self.tpos = nn.Embedding(t["vocab_size"], dt), nn.Parameter(torch.randn(t["max_position_embeddings"], dt) * 0.02)
        self.tlayers = nn.ModuleList(EncoderLayer(dt, t["intermediate_size"], t["num_attention_heads"]) for _ in range(t["num_hidden_layers"]))
        self.final = nn.LayerNorm(dt)
        self.text_projection = nn.Linear(dt, proj, bias=False)

    def vision_tokens(self, px):
        x = self.patch(px).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], 1) + self.pos
        h = self.pre(x)
        for l in self.vlayers:
            h = l(h)
        return h

    def text_features(self, ids):
        L = ids.shape[1]
        h = self.tok(ids) + self.tpos[:L]
        causal = torch.full((L, L), float("-inf")).triu(1)
        for l in self.tlayers:
            h = l(h, causal)
        h = self.final(h)
        return self.text_projection(h[torch.arange(ids.shape[0]), ids.argmax(-1)])


def timed_ms(fn, runs):
    """Fastest and median of `runs` after a warm-up (the fastest is the least disturbed on a shared machine)."""
    fn()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    return ts[0], ts[len(ts) // 2]


results = []
runs = spec["runs"]
a = torch.randn(1024, 768)
w = torch.randn(768, 768)
matmul_ms, matmul_median_ms = timed_ms(lambda: a @ w, runs)
for c in spec["configs"]:
    m = GatedFusion(c["input_dim"], c["hidden_dim"], c["projection_dim"], c["num_heads"], c["kernel_size"])
    logit_scale = nn.Parameter(torch.tensor(float(torch.log(torch.tensor(1 / 0.07)))))
    opt = torch.optim.AdamW(list(m.parameters()) + [logit_scale], lr=1e-4, eps=1e-8, weight_decay=0.01)
    B, T = c["batch"], c["tokens"]
    er, ef = torch.randn(B, T, c["input_dim"]), torch.randn(B, T, c["input_dim"])
    text = torch.randn(B, c["projection_dim"])
    labels = torch.arange(B)

    def step():
        opt.zero_grad(set_to_none=True)
        z = F.normalize(m(er, ef), dim=-1)
        t = F.normalize(text, dim=-1)
        logits = z @ t.t() * logit_scale.clamp(max=float(torch.log(torch.tensor(100.0)))).exp()
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(m.parameters()) + [logit_scale], 1.0)
        opt.step()
        return loss.item()

    fastest, median = timed_ms(step, runs)
    results.append({"name": c["name"], "ms": fastest, "median_ms": median})
for c in spec.get("joint", []):
    v, t = c["vision"], c["text"]
    clip = ClipLike(v, t, c["projection_dim"])
    d = v["hidden_size"]
    m = GatedFusion(d, d, c["projection_dim"], c["num_heads"], c["kernel_size"])
    logit_scale = nn.Parameter(torch.tensor(float(torch.log(torch.tensor(1 / 0.07)))))
    params = list(clip.parameters()) + list(m.parameters()) + [logit_scale]
    opt = torch.optim.AdamW(params, lr=1e-5, eps=1e-8, weight_decay=0.01)
    B = c["batch"]
    crop, full = torch.randn(B, 3, v["image_size"], v["image_size"]), torch.randn(B, 3, v["image_size"], v["image_size"])
    ids = torch.randint(0, t["vocab_size"] - 1, (B, c["text_tokens"]))
    ids[:, -1] = t["vocab_size"] - 1
    labels = torch.arange(B)

    def joint_step():
        opt.zero_grad(set_to_none=True)
        z = F.normalize(m(clip.vision_tokens(crop), clip.vision_tokens(full)), dim=-1)
        tt = F.normalize(clip.text_features(ids), dim=-1)
        logits = z @ tt.t() * logit_scale.exp()
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    fastest, median = timed_ms(joint_step, c["runs"])
    results.append({"name": c["name"], "ms": fastest, "median_ms": median})
class BertLayer(nn.Module):
    """BERT's post-norm layer (BLIP's text encoder without its cross-attention, which ITC does not use)."""

    def __init__(self, d, inner, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12)
        self.mlp = nn.Sequential(nn.Linear(d, inner), nn.GELU(), nn.Linear(inner, d))

    def forward(self, h):
        h = self.ln1(h + self.attn(h, h, h, need_weights=False)[0])
        return self.ln2(h + self.mlp(h))


class BlipLike(nn.Module):
    """BlipForImageTextRetrieval's ITC path at blip-itm-base-coco's dims: ViT-B/16 at 384 px (pre-norm, GELU),
    BERT-base text encoder, vision_proj / text_proj of the class tokens to 256, L2-normalised."""

    def __init__(self):
        super().__init__()
        d, inner, L = 768, 3072, 12
        self.patch = nn.Conv2d(3, d, 16, 16)
        self.cls, self.pos = nn.Parameter(torch.randn(1, 1, d) * 0.02), nn.Parameter(torch.randn(1, 577, d) * 0.02)
        self.vlayers = nn.ModuleList(EncoderLayer(d, inner, 12) for _ in range(L))
        for l in self.vlayers:
            l.mlp[1] = nn.GELU()
        self.post = nn.LayerNorm(d)
        self.tok, self.tpos, self.tln = nn.Embedding(30524, d), nn.Embedding(512, d), nn.LayerNorm(d, eps=1e-12)
        self.tlayers = nn.ModuleList(BertLayer(d, inner, 12) for _ in range(L))
        self.vision_proj, self.text_proj = nn.Linear(d, 256), nn.Linear(d, 256)

    def image_features(self, px):
        x = self.patch(px).flatten(2).transpose(1, 2)
        h = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        for l in self.vlayers:
            h = l(h)
        return F.normalize(self.vision_proj(self.post(h)[:, 0]), dim=-1)

    def text_features(self, ids):
        h = self.tln(self.tok(ids) + self.tpos(torch.arange(ids.shape[1])))
        for l in self.tlayers:
            h = l(h)
        return F.normalize(self.text_proj(h[:, 0]), dim=-1)


for c in spec.get("blip", []):
    m = BlipLike()
    logit_scale = nn.Parameter(torch.tensor(float(torch.log(torch.tensor(1 / 0.07)))))
    params = list(m.parameters()) + [logit_scale]
    opt = torch.optim.AdamW(params, lr=1e-5, eps=1e-8, weight_decay=0.01)
    B = c["batch"]
    px = torch.randn(B, 3, 384, 384)
    ids = torch.randint(0, 30523, (B, c["text_tokens"]))
    labels = torch.arange(B)

    def blip_step():
        opt.zero_grad(set_to_none=True)
        logits = m.image_features(px) @ m.text_features(ids).t() * logit_scale.exp()
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    fastest, median = timed_ms(blip_step, c.get("runs", runs))
    results.append({"name": c["name"], "ms": fastest, "median_ms": median})
print(json.dumps({"torch": torch.__version__, "threads": spec["threads"], "matmul_ms": matmul_ms, "matmul_median_ms": matmul_median_ms, "results": results}))
