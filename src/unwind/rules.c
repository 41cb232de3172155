/* rules.c - the rule for a PC (rule.h): its module (modules.h), glibc's signal trampoline, or its
 * FDE's CFI (dwarf.h), packed into one word for the cache. Runs on a rule-cache miss only.
 */
#define _GNU_SOURCE
#include "rule.h"

#include <string.h>

#include "dwarf.h"
#include "modules.h"

/* The packed rule for a decoded frame state; K_FP for what the walk cannot step by rule. */
static uint64_t pack_rule(const struct mk__cfa *st) {
    if (st->ra_how == MK__HOW_UNDEF) return RULE(K_STOP, 0);
    if (st->cfa_reg != MK__DW_RSP && st->cfa_reg != MK__DW_RBP) return RULE(K_FP, 0);
    if (st->ra_how != MK__HOW_OFFSET || (st->bp_how != MK__HOW_SAME && st->bp_how != MK__HOW_OFFSET &&
                                         st->bp_how != MK__HOW_UNDEF))
        return RULE(K_FP, 0);
    if (st->cfa_off < INT32_MIN || st->cfa_off > INT32_MAX) return RULE(K_FP, 0);
    if ((st->ra_off & 7) || st->ra_off < -1024 || st->ra_off > 1016) return RULE(K_FP, 0);
    int from_bp = st->cfa_reg == MK__DW_RBP;
    unsigned flags = from_bp ? F_CFA_BP : 0;
    uint64_t r = (uint32_t)(int32_t)st->cfa_off | (uint64_t)(uint8_t)(int8_t)(st->ra_off / 8) << 32;
    if (st->bp_how == MK__HOW_OFFSET) {
        if (from_bp && st->cfa_off == 16 && st->ra_off == -8 && st->bp_off == -16)
            return RULE(K_FPFRAME, 0);
        if ((st->bp_off & 7) || st->bp_off < -1024 || st->bp_off > 1016) return RULE(K_FP, 0);
        flags |= F_BP_SAVED;
        r |= (uint64_t)(uint8_t)(int8_t)(st->bp_off / 8) << 40;
    }
    unsigned kind = K_GENERAL;
    if (st->ra_off == -8 && !(flags & F_BP_SAVED && st->bp_off == 0)) {
        if (from_bp) kind = K_BP;
        else if (st->cfa_off >= 8) kind = (flags & F_BP_SAVED) ? K_SPB : K_SP;
    }
    return r | RULE(kind, kind == K_GENERAL ? flags : 0); /* the fast kinds carry no flags */
}

uint64_t mk__rule_compute(uintptr_t addr, uintptr_t pc, int exact, int *synced, int *cacheable) {
    if (pc >= MK__USER_TOP) { /* garbage: its bits would spill into the key's generation */
        *cacheable = 0;
        return RULE(K_FP, 0);
    }
    if (!*synced) {
        *synced = 1;
        if (!mk__mods_sync()) *cacheable = 0;
    }
    struct mk__mod m;
    if (!mk__mod_find(addr, &m)) return RULE(K_FP, 0); /* JIT code or garbage: the frame-pointer step, if rbp looks sound */
    /* glibc's __restore_rt: mov $15, %rax; syscall. The handler returns to its first byte. */
    static const uint8_t sigret[9] = {0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05};
    if (!exact && pc >= m.lo && pc + sizeof sigret <= m.hi && !memcmp((const void *)pc, sigret, 9))
        return RULE(K_SIGRET, 0);
    struct mk__cfa st;
    const uint8_t *fde = mk__dwarf_fde_find(m.hdr, m.table, m.count, addr);
    if (mk__dwarf_cfa_at(fde, m.eh_lo, m.eh_hi, (uintptr_t)m.hdr, addr, &st) < 0) return RULE(K_FP, 0);
    return pack_rule(&st);
}
