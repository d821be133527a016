# Used by bench/lpips-vgg-check.mjs (which writes the folder): python3 bench/lpips_vgg_check.py DIR
# Independent torch composition of LPIPS-vgg v0.1 from lpips' definitions (pretrained_networks.vgg16
# slices features[0:4],[4:9],[9:16],[16:23],[23:30]; ScalingLayer; normalize_tensor; lin; spatial mean).
import json, os, struct, sys, numpy as np, torch, torch.nn.functional as F
D = sys.argv[1]
def load(p):
    b = open(p, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n]); base = 8+n; out = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        s, e = v['data_offsets']; out[k] = torch.from_numpy(np.frombuffer(b[base+s:base+e], dtype=np.float32).reshape(v['shape']).copy())
    return out
W = load(os.path.join(D, 'model.safetensors')); L = load(os.path.join(D, 'lin_v0.1_vgg.safetensors')); io = load(os.path.join(D, 'io.safetensors'))
# torchvision vgg16 features indices: conv at 0,2,5,7,10,12,14,17,19,21,24,26,28; pool at 4,9,16,23
slices = [(1,[0,2]),(2,['M',5,7]),(3,['M',10,12,14]),(4,['M',17,19,21]),(5,['M',24,26,28])]
def feats(x):
    x = (x - torch.tensor([-.030,-.088,-.188]).view(1,3,1,1)) / torch.tensor([.458,.448,.450]).view(1,3,1,1)
    outs = []
    for s, ops in slices:
        for op in ops:
            if op == 'M': x = F.max_pool2d(x, 2, 2)
            else: x = F.relu(F.conv2d(x, W[f'net.slice{s}.{op}.weight'], W[f'net.slice{s}.{op}.bias'], padding=1))
        outs.append(x)
    return outs
def nt(x, eps=1e-10): return x / (torch.sqrt(torch.sum(x**2, dim=1, keepdim=True)) + eps)
with torch.no_grad():
    f0, f1 = feats(io['in0']), feats(io['in1'])
    per = [F.conv2d((nt(a)-nt(b))**2, L[f'lin{k}.model.1.weight']).mean([2,3]).view(-1) for k,(a,b) in enumerate(zip(f0,f1))]
    d = sum(per)
print('torch distance', d.tolist())
print('max abs diff distance', (d - io['distance']).abs().max().item())
for k in range(5): print('layer', k, (per[k] - io[f'per_layer.{k}']).abs().max().item())
