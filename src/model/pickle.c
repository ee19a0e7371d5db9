#include "model/pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

struct kk_pickle {
    kk_pv **values; /* every value ever created, for freeing */
    size_t n_values, cap_values;
};

typedef struct {
    kk_pickle *pk;
    const uint8_t *data;
    size_t len, pos, op_pos;
    kk_pv **stack;
    size_t sp, stack_cap;
    size_t *marks;
    size_t n_marks, marks_cap;
    kk_pv **memo;
    size_t memo_cap, memo_n;
    kokoro_error *err;
} vm;

size_t kk_dtype_size(kk_dtype dt)
{
    switch (dt) {
    case KK_DT_F64: case KK_DT_I64: return 8;
    case KK_DT_F32: case KK_DT_I32: return 4;
    case KK_DT_F16: case KK_DT_BF16: case KK_DT_I16: return 2;
    case KK_DT_I8: case KK_DT_U8: case KK_DT_BOOL: return 1;
    }
    return 1;
}

const char *kk_dtype_name(kk_dtype dt)
{
    switch (dt) {
    case KK_DT_F32: return "float32";
    case KK_DT_F64: return "float64";
    case KK_DT_F16: return "float16";
    case KK_DT_BF16: return "bfloat16";
    case KK_DT_I64: return "int64";
    case KK_DT_I32: return "int32";
    case KK_DT_I16: return "int16";
    case KK_DT_I8: return "int8";
    case KK_DT_U8: return "uint8";
    case KK_DT_BOOL: return "bool";
    }
    return "?";
}

int kk_dtype_is_float(kk_dtype dt)
{
    return dt == KK_DT_F32 || dt == KK_DT_F64 || dt == KK_DT_F16 || dt == KK_DT_BF16;
}

void kk_pickle_free(kk_pickle *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_values; i++) {
        kk_pv *v = p->values[i];
        free(v->s.ptr);
        free(v->items);
        free(v->storage.key);
        free(v);
    }
    free(p->values);
    free(p);
}

static kokoro_status fail_at(vm *m, kokoro_status code, const char *what)
{
    return kk_fail(m->err, code, "pickle: %s at offset %zu", what, m->op_pos);
}

static kk_pv *new_value(vm *m, kk_pv_type type)
{
    kk_pickle *pk = m->pk;
    if (pk->n_values == pk->cap_values) {
        size_t cap = pk->cap_values ? pk->cap_values * 2 : 256;
        kk_pv **nv = realloc(pk->values, cap * sizeof *nv);
        if (!nv)
            return NULL;
        pk->values = nv;
        pk->cap_values = cap;
    }
    kk_pv *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->type = type;
    pk->values[pk->n_values++] = v;
    return v;
}

static int push(vm *m, kk_pv *v)
{
    if (!v)
        return -1;
    if (m->sp == m->stack_cap) {
        size_t cap = m->stack_cap ? m->stack_cap * 2 : 64;
        kk_pv **ns = realloc(m->stack, cap * sizeof *ns);
        if (!ns)
            return -1;
        m->stack = ns;
        m->stack_cap = cap;
    }
    m->stack[m->sp++] = v;
    return 0;
}

static int append_item(kk_pv *c, kk_pv *item)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        kk_pv **ni = realloc(c->items, cap * sizeof *ni);
        if (!ni)
            return -1;
        c->items = ni;
        c->cap = cap;
    }
    c->items[c->n++] = item;
    return 0;
}

/* Position of the innermost MARK on the stack. */
static int pop_mark(vm *m, size_t *at)
{
    if (m->n_marks == 0)
        return -1;
    *at = m->marks[--m->n_marks];
    if (*at > m->sp)
        return -1;
    return 0;
}

static int need(vm *m, size_t n) { return n <= m->len - m->pos; }

static uint32_t rd_le(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static kk_pv *make_str(vm *m, const uint8_t *p, size_t n, kk_pv_type type)
{
    kk_pv *v = new_value(m, type);
    if (!v)
        return NULL;
    v->s.ptr = malloc(n + 1);
    if (!v->s.ptr)
        return NULL;
    memcpy(v->s.ptr, p, n);
    v->s.ptr[n] = '\0';
    v->s.len = n;
    return v;
}

static kk_pv *make_tuple(vm *m, size_t from)
{
    kk_pv *t = new_value(m, KK_PV_TUPLE);
    if (!t)
        return NULL;
    for (size_t i = from; i < m->sp; i++)
        if (append_item(t, m->stack[i]))
            return NULL;
    m->sp = from;
    return t;
}

const kk_pv *kk_pv_dict_get(const kk_pv *dict, const char *key)
{
    if (!dict || dict->type != KK_PV_DICT)
        return NULL;
    for (size_t i = 0; i < dict->n; i++) {
        const kk_pv *k = dict->items[2 * i];
        if (k->type == KK_PV_STR && strcmp(k->s.ptr, key) == 0)
            return dict->items[2 * i + 1];
    }
    return NULL;
}

/* DICT items are stored flat (k0, v0, k1, v1...); n counts pairs, cap counts slots. */
static int dict_set(kk_pv *d, kk_pv *k, kk_pv *v)
{
    if (k->type == KK_PV_STR)
        for (size_t i = 0; i < d->n; i++) {
            kk_pv *old = d->items[2 * i];
            if (old->type == KK_PV_STR && strcmp(old->s.ptr, k->s.ptr) == 0) {
                d->items[2 * i + 1] = v;
                return 0;
            }
        }
    if (2 * d->n + 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        kk_pv **ni = realloc(d->items, cap * sizeof *ni);
        if (!ni)
            return -1;
        d->items = ni;
        d->cap = cap;
    }
    d->items[2 * d->n] = k;
    d->items[2 * d->n + 1] = v;
    d->n++;
    return 0;
}

static int global_is(const kk_pv *g, const char *name)
{
    return g->type == KK_PV_GLOBAL && strcmp(g->s.ptr, name) == 0;
}

static int storage_dtype(const char *name, kk_dtype *dt)
{
    static const struct {
        const char *name;
        kk_dtype dt;
    } map[] = {
        {"torch.FloatStorage", KK_DT_F32},  {"torch.DoubleStorage", KK_DT_F64},
        {"torch.HalfStorage", KK_DT_F16},   {"torch.BFloat16Storage", KK_DT_BF16},
        {"torch.LongStorage", KK_DT_I64},   {"torch.IntStorage", KK_DT_I32},
        {"torch.ShortStorage", KK_DT_I16},  {"torch.CharStorage", KK_DT_I8},
        {"torch.ByteStorage", KK_DT_U8},    {"torch.BoolStorage", KK_DT_BOOL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(name, map[i].name) == 0) {
            *dt = map[i].dt;
            return 0;
        }
    return -1;
}

static kokoro_status persistent_load(vm *m, kk_pv *pid, kk_pv **out)
{
    if (pid->type != KK_PV_TUPLE || pid->n < 5 || pid->items[0]->type != KK_PV_STR ||
        strcmp(pid->items[0]->s.ptr, "storage") != 0)
        return fail_at(m, KOKORO_ERR_FORMAT, "persistent id is not ('storage', type, key, location, numel)");
    kk_pv *type = pid->items[1], *key = pid->items[2], *numel = pid->items[4];
    if (type->type != KK_PV_GLOBAL)
        return fail_at(m, KOKORO_ERR_FORMAT, "storage type is not a class reference");
    kk_dtype dt;
    if (storage_dtype(type->s.ptr, &dt)) {
        char msg[160];
        snprintf(msg, sizeof msg, "unsupported storage type '%.100s'", type->s.ptr);
        return fail_at(m, KOKORO_ERR_UNSUPPORTED, msg);
    }
    if (key->type != KK_PV_STR || key->s.len == 0 || numel->type != KK_PV_INT || numel->i < 0)
        return fail_at(m, KOKORO_ERR_FORMAT, "storage key or element count malformed");
    kk_pv *s = new_value(m, KK_PV_STORAGE);
    if (!s || !(s->storage.key = strdup(key->s.ptr)))
        return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
    s->storage.dtype = dt;
    s->storage.numel = (uint64_t)numel->i;
    *out = s;
    return KOKORO_OK;
}

static kokoro_status rebuild_tensor(vm *m, kk_pv *args, kk_pv **out)
{
    if (args->type != KK_PV_TUPLE || args->n < 4)
        return fail_at(m, KOKORO_ERR_FORMAT, "_rebuild_tensor needs (storage, offset, size, stride, ...)");
    kk_pv *st = args->items[0], *off = args->items[1], *size = args->items[2], *stride = args->items[3];
    if (st->type != KK_PV_STORAGE)
        return fail_at(m, KOKORO_ERR_FORMAT, "tensor without a persistent storage");
    if (off->type != KK_PV_INT || off->i < 0)
        return fail_at(m, KOKORO_ERR_FORMAT, "tensor storage offset is not a non-negative integer");
    if (size->type != KK_PV_TUPLE || stride->type != KK_PV_TUPLE || size->n != stride->n)
        return fail_at(m, KOKORO_ERR_FORMAT, "tensor size and stride are not tuples of equal length");
    if (size->n > KK_MAX_DIMS)
        return fail_at(m, KOKORO_ERR_UNSUPPORTED, "tensor has more than 8 dimensions");
    kk_pv *t = new_value(m, KK_PV_TENSOR);
    if (!t)
        return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
    t->tensor.storage = st;
    t->tensor.offset = off->i;
    t->tensor.ndim = (int)size->n;
    for (size_t d = 0; d < size->n; d++) {
        kk_pv *a = size->items[d], *b = stride->items[d];
        if (a->type != KK_PV_INT || b->type != KK_PV_INT || a->i < 0 || b->i < 0)
            return fail_at(m, KOKORO_ERR_FORMAT, "tensor size/stride entries must be non-negative integers");
        t->tensor.size[d] = a->i;
        t->tensor.stride[d] = b->i;
    }
    *out = t;
    return KOKORO_OK;
}

static kokoro_status reduce(vm *m, kk_pv *fn, kk_pv *args, kk_pv **out)
{
    if (fn->type != KK_PV_GLOBAL || args->type != KK_PV_TUPLE)
        return fail_at(m, KOKORO_ERR_FORMAT, "REDUCE needs a class reference and an argument tuple");
    if (global_is(fn, "collections.OrderedDict") || global_is(fn, "builtins.dict") ||
        global_is(fn, "__builtin__.dict")) {
        if (args->n != 0)
            return fail_at(m, KOKORO_ERR_UNSUPPORTED, "OrderedDict with constructor arguments");
        *out = new_value(m, KK_PV_DICT);
        return *out ? KOKORO_OK : fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
    }
    if (global_is(fn, "torch._utils._rebuild_tensor_v2") || global_is(fn, "torch._utils._rebuild_tensor"))
        return rebuild_tensor(m, args, out);
    if (global_is(fn, "torch._utils._rebuild_parameter") ||
        global_is(fn, "torch._utils._rebuild_parameter_with_state")) {
        if (args->n < 1 || args->items[0]->type != KK_PV_TENSOR)
            return fail_at(m, KOKORO_ERR_FORMAT, "_rebuild_parameter without a tensor");
        *out = args->items[0];
        return KOKORO_OK;
    }
    if (global_is(fn, "torch._tensor._rebuild_from_type_v2")) {
        /* (func, new_type, args, state): a tensor subclass wrapper around another rebuild call */
        if (args->n < 3)
            return fail_at(m, KOKORO_ERR_FORMAT, "_rebuild_from_type_v2 needs (func, type, args, state)");
        if (args->items[0] == fn)
            return fail_at(m, KOKORO_ERR_FORMAT, "_rebuild_from_type_v2 calls itself");
        if (global_is(args->items[0], "torch._tensor._rebuild_from_type_v2"))
            return fail_at(m, KOKORO_ERR_UNSUPPORTED, "nested _rebuild_from_type_v2");
        return reduce(m, args->items[0], args->items[2], out);
    }
    char msg[200];
    snprintf(msg, sizeof msg, "unsupported callable '%.150s'", fn->s.ptr);
    return fail_at(m, KOKORO_ERR_UNSUPPORTED, msg);
}

static kokoro_status memo_put(vm *m, uint64_t idx)
{
    if (m->sp == 0)
        return fail_at(m, KOKORO_ERR_FORMAT, "memo store with an empty stack");
    /* Writers number memo slots consecutively, so a slot far beyond the program size is bogus. */
    if (idx > m->len + 1024)
        return fail_at(m, KOKORO_ERR_FORMAT, "memo index out of range");
    if (idx >= m->memo_cap) {
        size_t cap = m->memo_cap ? m->memo_cap : 64;
        while (cap <= idx)
            cap *= 2;
        kk_pv **nm = realloc(m->memo, cap * sizeof *nm);
        if (!nm)
            return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
        memset(nm + m->memo_cap, 0, (cap - m->memo_cap) * sizeof *nm);
        m->memo = nm;
        m->memo_cap = cap;
    }
    if (!m->memo[idx])
        m->memo_n++;
    m->memo[idx] = m->stack[m->sp - 1];
    return KOKORO_OK;
}

static kokoro_status memo_get(vm *m, uint64_t idx)
{
    if (idx >= m->memo_cap || !m->memo[idx])
        return fail_at(m, KOKORO_ERR_FORMAT, "memo lookup of an unset slot");
    return push(m, m->memo[idx]) ? fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory") : KOKORO_OK;
}

#define NEED(n) do { if (!need(m, (n))) return fail_at(m, KOKORO_ERR_FORMAT, "truncated operand"); } while (0)
#define POP(v) do { if (m->sp <= base_sp()) return fail_at(m, KOKORO_ERR_FORMAT, "stack underflow"); \
                    (v) = m->stack[--m->sp]; } while (0)
#define PUSH(v) do { if (push(m, (v))) return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory"); } while (0)
#define base_sp() (m->n_marks ? m->marks[m->n_marks - 1] : 0)

static kokoro_status run(vm *m, kk_pv **result)
{
    while (m->pos < m->len) {
        m->op_pos = m->pos;
        uint8_t op = m->data[m->pos++];
        kk_pv *v = NULL, *a = NULL, *b = NULL;
        size_t at;
        kokoro_status st;
        switch (op) {
        case 0x80: /* PROTO */
            NEED(1);
            if (m->data[m->pos] > 5)
                return fail_at(m, KOKORO_ERR_UNSUPPORTED, "pickle protocol above 5");
            m->pos++;
            break;
        case 0x95: /* FRAME: only a length hint */
            NEED(8);
            m->pos += 8;
            break;
        case '.': /* STOP */
            if (m->sp != 1)
                return fail_at(m, KOKORO_ERR_FORMAT, "STOP with a stack that does not hold exactly one object");
            *result = m->stack[0];
            return KOKORO_OK;
        case '(': /* MARK */
            if (m->n_marks == m->marks_cap) {
                size_t cap = m->marks_cap ? m->marks_cap * 2 : 32;
                size_t *nm = realloc(m->marks, cap * sizeof *nm);
                if (!nm)
                    return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
                m->marks = nm;
                m->marks_cap = cap;
            }
            m->marks[m->n_marks++] = m->sp;
            break;
        case '}': PUSH(new_value(m, KK_PV_DICT)); break;
        case ']': PUSH(new_value(m, KK_PV_LIST)); break;
        case ')': PUSH(new_value(m, KK_PV_TUPLE)); break;
        case 'N': PUSH(new_value(m, KK_PV_NONE)); break;
        case 0x88: case 0x89: /* NEWTRUE, NEWFALSE */
            v = new_value(m, KK_PV_BOOL);
            if (v)
                v->i = op == 0x88;
            PUSH(v);
            break;
        case 'K': case 'M': case 'J': { /* BININT1, BININT2, BININT */
            int n = op == 'K' ? 1 : op == 'M' ? 2 : 4;
            NEED((size_t)n);
            uint32_t u = rd_le(m->data + m->pos, n);
            m->pos += (size_t)n;
            v = new_value(m, KK_PV_INT);
            if (v)
                v->i = op == 'J' ? (int64_t)(int32_t)u : (int64_t)u;
            PUSH(v);
            break;
        }
        case 0x8a: { /* LONG1 */
            NEED(1);
            size_t n = m->data[m->pos++];
            NEED(n);
            if (n > 8)
                return fail_at(m, KOKORO_ERR_UNSUPPORTED, "integer wider than 64 bits");
            uint64_t u = 0;
            for (size_t i = 0; i < n; i++)
                u |= (uint64_t)m->data[m->pos + i] << (8 * i);
            if (n > 0 && n < 8 && (m->data[m->pos + n - 1] & 0x80))
                u |= ~(uint64_t)0 << (8 * n);
            m->pos += n;
            v = new_value(m, KK_PV_INT);
            if (v)
                memcpy(&v->i, &u, sizeof u);
            PUSH(v);
            break;
        }
        case 'G': { /* BINFLOAT, big-endian */
            NEED(8);
            uint64_t u = 0;
            for (int i = 0; i < 8; i++)
                u = (u << 8) | m->data[m->pos + i];
            m->pos += 8;
            v = new_value(m, KK_PV_FLOAT);
            if (v)
                memcpy(&v->f, &u, sizeof u);
            PUSH(v);
            break;
        }
        case 'X': case 'B': case 'T': /* BINUNICODE, BINBYTES, BINSTRING: u32 length */
        case 0x8c: case 'C': case 'U': /* SHORT_BINUNICODE, SHORT_BINBYTES, SHORT_BINSTRING */
        case 0x8d: case 0x8e: { /* BINUNICODE8, BINBYTES8 */
            size_t lw = (op == 0x8c || op == 'C' || op == 'U') ? 1 : (op == 0x8d || op == 0x8e) ? 8 : 4;
            NEED(lw);
            uint64_t n = 0;
            for (size_t i = lw; i-- > 0;)
                n = (n << 8) | m->data[m->pos + i];
            m->pos += lw;
            if (op == 'T' && (n & 0x80000000u))
                return fail_at(m, KOKORO_ERR_FORMAT, "negative string length");
            if (n > m->len - m->pos)
                return fail_at(m, KOKORO_ERR_FORMAT, "string runs past the end of the pickle");
            PUSH(make_str(m, m->data + m->pos, (size_t)n, KK_PV_STR));
            m->pos += (size_t)n;
            break;
        }
        case 'c': { /* GLOBAL module\nname\n */
            const uint8_t *s = m->data + m->pos;
            const uint8_t *nl1 = memchr(s, '\n', m->len - m->pos);
            if (!nl1)
                return fail_at(m, KOKORO_ERR_FORMAT, "unterminated GLOBAL module");
            const uint8_t *nl2 = memchr(nl1 + 1, '\n', m->len - (size_t)(nl1 + 1 - m->data));
            if (!nl2)
                return fail_at(m, KOKORO_ERR_FORMAT, "unterminated GLOBAL name");
            v = make_str(m, s, (size_t)(nl2 - s), KK_PV_GLOBAL);
            if (!v)
                return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            v->s.ptr[nl1 - s] = '.';
            if (memchr(v->s.ptr, '\0', v->s.len))
                return fail_at(m, KOKORO_ERR_FORMAT, "NUL byte in GLOBAL");
            m->pos = (size_t)(nl2 + 1 - m->data);
            PUSH(v);
            break;
        }
        case 0x93: { /* STACK_GLOBAL */
            POP(b);
            POP(a);
            if (a->type != KK_PV_STR || b->type != KK_PV_STR)
                return fail_at(m, KOKORO_ERR_FORMAT, "STACK_GLOBAL needs two strings");
            v = new_value(m, KK_PV_GLOBAL);
            if (!v || !(v->s.ptr = malloc(a->s.len + b->s.len + 2)))
                return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            memcpy(v->s.ptr, a->s.ptr, a->s.len);
            v->s.ptr[a->s.len] = '.';
            memcpy(v->s.ptr + a->s.len + 1, b->s.ptr, b->s.len + 1);
            v->s.len = a->s.len + b->s.len + 1;
            PUSH(v);
            break;
        }
        case 't': /* TUPLE */
            if (pop_mark(m, &at))
                return fail_at(m, KOKORO_ERR_FORMAT, "TUPLE without MARK");
            PUSH(make_tuple(m, at));
            break;
        case 0x85: case 0x86: case 0x87: { /* TUPLE1..3 */
            size_t n = (size_t)(op - 0x84);
            if (m->sp < base_sp() + n)
                return fail_at(m, KOKORO_ERR_FORMAT, "stack underflow");
            PUSH(make_tuple(m, m->sp - n));
            break;
        }
        case 'l': case 'd': /* LIST, DICT from the items above MARK */
            if (pop_mark(m, &at))
                return fail_at(m, KOKORO_ERR_FORMAT, "LIST/DICT without MARK");
            v = new_value(m, op == 'l' ? KK_PV_LIST : KK_PV_DICT);
            if (!v)
                return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            if (op == 'd' && (m->sp - at) % 2)
                return fail_at(m, KOKORO_ERR_FORMAT, "DICT with an odd number of items");
            for (size_t i = at; i < m->sp; i += op == 'l' ? 1 : 2)
                if (op == 'l' ? append_item(v, m->stack[i]) : dict_set(v, m->stack[i], m->stack[i + 1]))
                    return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            m->sp = at;
            PUSH(v);
            break;
        case 'a': /* APPEND */
            POP(b);
            if (m->sp <= base_sp() || m->stack[m->sp - 1]->type != KK_PV_LIST)
                return fail_at(m, KOKORO_ERR_FORMAT, "APPEND to a non-list");
            if (append_item(m->stack[m->sp - 1], b))
                return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            break;
        case 'e': /* APPENDS */
            if (pop_mark(m, &at) || at == 0 || m->stack[at - 1]->type != KK_PV_LIST)
                return fail_at(m, KOKORO_ERR_FORMAT, "APPENDS without MARK after a list");
            for (size_t i = at; i < m->sp; i++)
                if (append_item(m->stack[at - 1], m->stack[i]))
                    return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            m->sp = at;
            break;
        case 's': /* SETITEM */
            POP(b);
            POP(a);
            if (m->sp <= base_sp() || m->stack[m->sp - 1]->type != KK_PV_DICT)
                return fail_at(m, KOKORO_ERR_FORMAT, "SETITEM on a non-dict");
            if (dict_set(m->stack[m->sp - 1], a, b))
                return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            break;
        case 'u': /* SETITEMS */
            if (pop_mark(m, &at) || at == 0 || m->stack[at - 1]->type != KK_PV_DICT)
                return fail_at(m, KOKORO_ERR_FORMAT, "SETITEMS without MARK after a dict");
            if ((m->sp - at) % 2)
                return fail_at(m, KOKORO_ERR_FORMAT, "SETITEMS with an odd number of items");
            for (size_t i = at; i < m->sp; i += 2)
                if (dict_set(m->stack[at - 1], m->stack[i], m->stack[i + 1]))
                    return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            m->sp = at;
            break;
        case 'q': /* BINPUT */
            NEED(1);
            if ((st = memo_put(m, m->data[m->pos++])))
                return st;
            break;
        case 'r': /* LONG_BINPUT */
            NEED(4);
            m->pos += 4;
            if ((st = memo_put(m, rd_le(m->data + m->pos - 4, 4))))
                return st;
            break;
        case 0x94: /* MEMOIZE: next free slot */
            if ((st = memo_put(m, m->memo_n)))
                return st;
            break;
        case 'h': /* BINGET */
            NEED(1);
            if ((st = memo_get(m, m->data[m->pos++])))
                return st;
            break;
        case 'j': /* LONG_BINGET */
            NEED(4);
            m->pos += 4;
            if ((st = memo_get(m, rd_le(m->data + m->pos - 4, 4))))
                return st;
            break;
        case 'Q': { /* BINPERSID */
            POP(a);
            st = persistent_load(m, a, &v);
            if (st)
                return st;
            PUSH(v);
            break;
        }
        case 'R': { /* REDUCE */
            POP(b);
            POP(a);
            st = reduce(m, a, b, &v);
            if (st)
                return st;
            PUSH(v);
            break;
        }
        case 'b': /* BUILD: only a dict merge matters; tensor/parameter state is ignored */
            POP(b);
            if (m->sp <= base_sp())
                return fail_at(m, KOKORO_ERR_FORMAT, "BUILD with nothing to build");
            a = m->stack[m->sp - 1];
            if (a->type == KK_PV_DICT && b->type == KK_PV_DICT) {
                for (size_t i = 0; i < b->n; i++)
                    if (dict_set(a, b->items[2 * i], b->items[2 * i + 1]))
                        return fail_at(m, KOKORO_ERR_NO_MEMORY, "out of memory");
            } else if (a->type != KK_PV_TENSOR && b->type != KK_PV_NONE) {
                return fail_at(m, KOKORO_ERR_UNSUPPORTED, "BUILD on an object that is not a dict or tensor");
            }
            break;
        case '0': /* POP */
            POP(a);
            break;
        case '1': /* POP_MARK */
            if (pop_mark(m, &at))
                return fail_at(m, KOKORO_ERR_FORMAT, "POP_MARK without MARK");
            m->sp = at;
            break;
        case '2': /* DUP */
            if (m->sp <= base_sp())
                return fail_at(m, KOKORO_ERR_FORMAT, "DUP on an empty stack");
            PUSH(m->stack[m->sp - 1]);
            break;
        default: {
            char msg[64];
            snprintf(msg, sizeof msg, "unsupported opcode 0x%02x", op);
            return fail_at(m, KOKORO_ERR_UNSUPPORTED, msg);
        }
        }
    }
    m->op_pos = m->pos;
    return fail_at(m, KOKORO_ERR_FORMAT, "pickle ends without STOP");
}

kokoro_status kk_pickle_load(const uint8_t *data, size_t len, kk_pickle **out, const kk_pv **root,
                             kokoro_error *err)
{
    *out = NULL;
    *root = NULL;
    vm m = {0};
    m.pk = calloc(1, sizeof *m.pk);
    if (!m.pk)
        return kk_fail(err, KOKORO_ERR_NO_MEMORY, "pickle: out of memory");
    m.data = data;
    m.len = len;
    kokoro_error local;
    m.err = err ? err : &local;
    kk_pv *result = NULL;
    kokoro_status st = run(&m, &result);
    free(m.stack);
    free(m.marks);
    free(m.memo);
    if (st) {
        kk_pickle_free(m.pk);
        return st;
    }
    *out = m.pk;
    *root = result;
    return KOKORO_OK;
}
