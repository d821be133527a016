# The Region-CLIP phase-1 training step of bench/train-step.mjs in PyTorch: the same gated
# region-context fusion (Eq. 12-16, class-token pooling: only query 0 is attended), the symmetric
# contrastive loss with a learned temperature (Eq. 11), global-norm clipping and AdamW.
# Usage: /usr/bin/python3 bench/torch_train_step.py '<json: {"configs": [...], "runs": N, "threads": T}>'
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
print(json.dumps({"torch": torch.__version__, "threads": spec["threads"], "matmul_ms": matmul_ms, "matmul_median_ms": matmul_median_ms, "results": results}))
