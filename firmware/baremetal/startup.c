/*
 * startup.c - vector table and reset handler for the nRF52840: no crt0, no
 * vendor startup file.  The table sits at flash address 0, where the core
 * looks for it at reset, so VTOR keeps its reset value.
 */
#include <stdint.h>
#include <string.h>

#include "nrf52840.h"

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;

int main(void);
void fw_uarte0_irq(void);
void fw_systick(void);

void fw_reset(void);
void fw_trap(void);

/* An unexpected exception stops here, where a debugger shows which. */
void fw_trap(void)
{
    for (;;)
        __asm__ volatile("bkpt #0");
}

void fw_reset(void)
{
    /*
     * The FPU first: with -mfloat-abi=hard the compiler may use VFP
     * registers in any function, memcpy included, and each use faults
     * while CP10/CP11 are off.  DSB+ISB so no later instruction runs with
     * the old access rights (ARMv7-M ARM B3.2.20).
     */
    SCB_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");

    memcpy(&_sdata, &_sidata, (size_t)((char *)&_edata - (char *)&_sdata));
    memset(&_sbss, 0, (size_t)((char *)&_ebss - (char *)&_sbss));
    main();
    fw_trap();
}

/* 16 core exceptions, then the nRF52840's 48 peripheral interrupts. */
#define FW_VECTORS (16 + 48)

__attribute__((section(".isr_vector"), used))
void (*const fw_vectors[FW_VECTORS])(void) = {
    [0] = (void (*)(void))&_estack, /* initial main stack pointer */
    [1] = fw_reset,
    [2 ... 14] = fw_trap, /* NMI, faults, SVCall, PendSV */
    [15] = fw_systick,
    [16 ... 16 + UARTE0_IRQN - 1] = fw_trap,
    [16 + UARTE0_IRQN] = fw_uarte0_irq,
    [16 + UARTE0_IRQN + 1 ... FW_VECTORS - 1] = fw_trap,
};
